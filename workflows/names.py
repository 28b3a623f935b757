"""The names other processes reach workflows by: workflow types, and the Updates and signals they send.

Activities start and signal workflows by these names instead of importing the workflow classes: an
activity module (I/O) then never loads workflow code, and the names stay those already in histories.
"""

VIOLATION_CLUE_WORKFLOW = "ViolationClueWorkflow"
FAULT_REPAIR_WORKFLOW = "FaultRepairWorkflow"
HAZARD_WORKFLOW = "HazardWorkflow"
MAINTENANCE_SCHEDULE_WORKFLOW = "MaintenanceScheduleWorkflow"
# Every stepped kind is opened with this Update (update-with-start), which answers once it is stored.
REGISTER_UPDATE = "register"
# A maintenance record tells its elevator's schedule that a visit was performed.
RECORD_PERFORMED_SIGNAL = "record_performed"
