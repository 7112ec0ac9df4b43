"""Drawing (the tracker computes, viewers only draw): depth colouring, skeletons, overlays."""
